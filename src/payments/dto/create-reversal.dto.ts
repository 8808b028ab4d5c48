import { IsOptional } from 'class-validator';
import { IntegerFromString, IsMinorUnits } from '../../common/validation';

export class CreateReversalDto {
  /** Default: everything not yet reversed. */
  @IsOptional()
  @IntegerFromString()
  @IsMinorUnits()
  amount?: number;
}
