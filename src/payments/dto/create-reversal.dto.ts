import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IntegerFromString, IsMinorUnits } from '../../common/validation';

export class CreateReversalDto {
  /** Default: everything not yet reversed. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Minor units; default: everything not yet reversed.' })
  @IsOptional()
  @IntegerFromString()
  @IsMinorUnits()
  amount?: number;
}
