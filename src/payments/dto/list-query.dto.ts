import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IntegerFromString } from '../../common/validation';

export class ListQueryDto {
  @IsOptional()
  @IntegerFromString('query')
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  starting_after?: string;
}

export class ListTransfersQueryDto extends ListQueryDto {
  /** Only transfers from or to this account. */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  account?: string;
}
