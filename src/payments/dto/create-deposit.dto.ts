import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IntegerFromString, IsCurrencyCode, IsMinorUnits } from '../../common/validation';

export class CreateDepositDto {
  @IntegerFromString()
  @IsMinorUnits()
  amount: number;

  @IsCurrencyCode()
  currency: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}
